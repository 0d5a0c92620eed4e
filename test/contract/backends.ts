import { requirePostgres, startPostgres } from '../helpers/postgres.ts';
import { requireS3, startS3 } from '../helpers/s3.ts';

/** One storage × database combination the contract suite runs against. */
export interface Backend {
  name: string;
  storage: 'fs' | 's3';
  database: 'sqlite' | 'postgres';
  /** Why this combination is skipped here, or false. */
  skip: string | false;
  /** LARDER_* variables for a fresh bucket and database (fs and sqlite need none). */
  env(): Promise<Record<string, string>>;
}

/** fs and s3 × sqlite and postgres: every combination a user can configure. */
export function backends(): Backend[] {
  const out: Backend[] = [];
  for (const storage of ['fs', 's3'] as const) {
    for (const database of ['sqlite', 'postgres'] as const) {
      const skip =
        (storage === 's3' && requireS3()) || (database === 'postgres' && requirePostgres());
      out.push({
        name: `${storage} + ${database}`,
        storage,
        database,
        skip,
        async env() {
          const env: Record<string, string> = {
            LARDER_STORAGE: storage,
            LARDER_DATABASE: database,
          };
          if (storage === 's3') Object.assign(env, (await (await startS3()).createBucket()).env);
          if (database === 'postgres')
            env.LARDER_POSTGRES_URL = await (await startPostgres()).createDatabase();
          return env;
        },
      });
    }
  }
  return out;
}
