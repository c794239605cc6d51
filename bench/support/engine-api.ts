import { request } from 'node:http';
import type { Readable } from 'node:stream';
import type { Engine } from '#dev-stack';

/**
 * The engine's HTTP API as a benchmark calls it: JSON in and out over node:http, with no
 * client-side time limit (fetch gives up on response headers after 5 minutes, and one import
 * or one enrolment of a whole list may take longer), a body streamed from a Readable, and a
 * fresh sign-in when the access token has expired during a long run.
 */
export interface EngineApi {
  <T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Streams `body` as one request with the given content type. */
  upload<T>(path: string, body: Readable, contentType: string): Promise<T>;
}

interface Answer {
  status: number;
  text: string;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Readable | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

export async function engineApi(engine: Engine): Promise<EngineApi> {
  let token = await engine.login();
  const call = async (
    method: string,
    path: string,
    body: string | Readable | undefined,
    contentType: string,
  ): Promise<Answer> => {
    const url = new URL(path, engine.apiUrl);
    const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': contentType });
    const once = () => send(url, method, headers(), body);
    // A read may meet a keep-alive connection the server is just closing: safe to ask again.
    let answer = await once().catch((err: unknown) =>
      method === 'GET' ? once() : Promise.reject(err as Error),
    );
    // Access tokens live 15 minutes; a streamed body cannot be sent twice.
    if (answer.status === 401 && typeof body !== 'object') {
      token = await engine.login();
      answer = await once();
    }
    return answer;
  };
  const parse = <T>(method: string, path: string, answer: Answer): T => {
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path}: HTTP ${answer.status} ${answer.text.slice(0, 2000)}`);
    }
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  };
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    parse<T>(
      method,
      path,
      await call(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
        'application/json',
      ),
    );
  api.upload = async <T>(path: string, body: Readable, contentType: string): Promise<T> =>
    parse<T>('POST', path, await call('POST', path, body, contentType));
  return api;
}
