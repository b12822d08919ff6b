// Debian's nginx as the TLS-terminating reverse proxy in front of the publisher, with a certificate made
// for the run (openssl): what docs/deploy.md describes, on loopback. Missing nginx fails under CI.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { makeCertificate } from './certificates.js';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Why the proxy tests cannot run here, or undefined when they can. Under CI, a missing nginx is an error. */
export function nginxUnavailable(): string | undefined {
  if (existsSync(NGINX)) return undefined;
  if (process.env.CI === 'true') throw new Error(`nginx is not installed at ${NGINX}; CI requires it (apt-get install -y nginx-light)`);
  return `nginx is not installed at ${NGINX} (apt-get install -y nginx-light)`;
}

export interface TlsProxy {
  /** The certificate clients must trust (it is its own authority). */
  ca: Buffer;
  close(): Promise<void>;
}

/** The server block of docs/deploy.md: TLS here, the client's address and scheme passed on, nothing else trusted. */
export function proxyConfig(options: { serverName: string; listen: string; upstream: string; certificate: string; key: string }): string {
  return `
    server {
      listen ${options.listen} ssl;
      server_name ${options.serverName};
      ssl_certificate ${options.certificate};
      ssl_certificate_key ${options.key};
      client_max_body_size 1m;
      location / {
        proxy_pass http://${options.upstream};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
      }
    }`;
}

export async function startTlsProxy(options: { serverName: string; port: number; upstream: string }): Promise<TlsProxy> {
  const tls = makeCertificate({ commonName: options.serverName, dnsName: options.serverName });
  const { dir, certificatePath: certificate, keyPath: key } = tls;
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, temp));
  const asRoot = process.getuid?.() === 0;
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${asRoot ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${proxyConfig({ serverName: options.serverName, listen: `127.0.0.1:${options.port}`, upstream: options.upstream, certificate, key })}
}
`,
  );
  const nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => nginx.on('exit', () => resolve()));
  const errors = () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
  await listening(options.port, errors);
  return {
    ca: readFileSync(certificate),
    async close() {
      nginx.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function listening(port: number, errors: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() !== undefined));
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not start on port ${port}: ${errors()}`);
}

/**
 * A free loopback port, for nginx alone: unlike the apps, it cannot listen on port 0 and say where, so its
 * port is picked in advance (closed again before it is returned).
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
