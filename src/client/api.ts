import { ClientError } from './errors.ts';
import type { ServerSettings } from './settings.ts';

/** A small client for larder's management API. */
export class Api {
  readonly settings: ServerSettings;
  constructor(settings: ServerSettings) {
    this.settings = settings;
  }

  /** Sends a JSON request; a non-2xx answer becomes a ClientError carrying the server's message. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.settings.server}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ClientError(
        `cannot reach ${this.settings.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const message =
        (json as { message?: string } | undefined)?.message ?? (text.trim() || res.statusText);
      const hint =
        res.status === 401 && !this.settings.token
          ? ' (no token: run `larder login` or pass --token)'
          : '';
      throw new ClientError(`${this.settings.server} answered ${res.status}: ${message}${hint}`, {
        status: res.status,
      });
    }
    return json as T;
  }
}
