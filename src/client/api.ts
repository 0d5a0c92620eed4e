import { ClientError } from './errors.ts';
import { messageOf, send, withRetries } from './http.ts';
import type { ServerSettings } from './settings.ts';

export interface CacheInfo {
  name: string;
  url: string;
  publicKey: string;
  public: boolean;
  storeDir: string;
}

/** A small client for larder's management API; transient failures are retried. */
export class Api {
  readonly settings: ServerSettings;
  constructor(settings: ServerSettings) {
    this.settings = settings;
  }

  /** A cache's public description; a 404 becomes "unknown cache". */
  async cache(name: string): Promise<CacheInfo> {
    try {
      return await this.request<CacheInfo>('GET', `/_api/v1/caches/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof ClientError && err.status === 404) {
        throw new ClientError(`unknown cache ${name} on ${this.settings.server}`, { status: 404 });
      }
      throw err;
    }
  }

  /** Sends a JSON request; a non-2xx answer becomes a ClientError carrying the server's message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.settings.server}${path}`;
    const res = await withRetries(`${method} ${url}`, () =>
      send(method, url, { headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    if (res.status < 200 || res.status >= 300) {
      const message = messageOf(res.body) ?? `HTTP ${res.status}`;
      const hint =
        res.status === 401 && !this.settings.token
          ? ' (no token: run `larder login` or pass --token)'
          : '';
      throw new ClientError(`${this.settings.server} answered ${res.status}: ${message}${hint}`, {
        status: res.status,
      });
    }
    try {
      return (res.body ? JSON.parse(res.body) : undefined) as T;
    } catch {
      throw new ClientError(
        `${this.settings.server} did not answer with JSON: is it a larder server?`,
      );
    }
  }
}
