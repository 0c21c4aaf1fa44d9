/**
 * The part of the browser's XMLHttpRequest that Autobahn|JS's long-poll transport uses
 * (`util.http_post`): open, setRequestHeader, send, timeout/ontimeout, onreadystatechange,
 * readyState, status, statusText, responseText — over node:http, for running Autobahn|JS's own
 * long-poll client in Node. Requests go out on fresh connections, as a browser may send them.
 */
import { request } from 'node:http';

export class NodeXMLHttpRequest {
  readyState = 0;
  status = 0;
  statusText = '';
  responseText = '';
  timeout = 0;
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  #method = 'GET';
  #url = '';
  readonly #headers: Record<string, string> = {};

  open(method: string, url: string): void {
    this.#method = method;
    this.#url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  send(body?: string | null): void {
    const req = request(this.#url, { method: this.#method, headers: this.#headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        this.status = res.statusCode ?? 0;
        this.statusText = res.statusMessage ?? '';
        this.responseText = Buffer.concat(chunks).toString('utf8');
        this.#finish();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    if (this.timeout > 0) {
      timer = setTimeout(() => {
        req.destroy();
        this.readyState = 4;
        this.ontimeout?.();
      }, this.timeout);
    }
    req.on('close', () => clearTimeout(timer));
    req.on('error', () => {
      if (this.readyState === 4) return;
      this.status = 0;
      this.#finish();
    });
    req.end(body ?? undefined);
  }

  #finish(): void {
    this.readyState = 4;
    this.onreadystatechange?.();
  }
}
