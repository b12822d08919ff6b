// Every route an app serves, read from Fastify's own route tree, so a fuzz run covers routes added later
// without anyone listing them.
import type { FastifyInstance } from 'fastify';

export interface Route {
  method: string;
  path: string;
}

/** The app's routes (HEAD left out: it is GET without a body). */
export function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  // The tree prints each node as the text it adds to its parent's path ("/" at the root, then "webhook", "/activate", "s").
  const pathAt: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[└├]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const parent = depth === 0 ? '' : (pathAt[depth - 1] ?? '');
    const path = parent === '/' ? `/${match[2]}` : `${parent}${match[2]}`;
    pathAt[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
}
