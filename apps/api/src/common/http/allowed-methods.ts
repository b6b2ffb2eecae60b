import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/**
 * Which methods a path answers to, for 405 `method_not_allowed` with `Allow` instead of a 404 when
 * only the method is wrong. Fastify's own router cannot say this (a miss is a miss), so every route
 * is also recorded in a find-my-way router of its own, as it is registered (onRoute).
 */
export class AllowedMethods {
  private readonly router = FindMyWay({ maxParamLength: 100 });
  private readonly methods = new Set<HTTPMethod>();
  private readonly seen = new Set<string>();

  /** Records every route registered from now on (call before the routes are registered). */
  collectFrom(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        this.add(method as HTTPMethod, route.url);
        // Fastify answers HEAD on every GET route (exposeHeadRoutes).
        if (method === 'GET') this.add('HEAD', route.url);
      }
    });
  }

  /**
   * The methods other than `method` that `path` answers to, sorted; empty when none does. OPTIONS
   * is listed only next to a real method: the CORS plugin's catch-all preflight route matches any path.
   */
  for(path: string, method: string): string[] {
    const found = [...this.methods].filter(
      (candidate) => candidate !== method && candidate !== 'OPTIONS' && this.router.find(candidate, path),
    );
    if (found.length && this.router.find('OPTIONS', path)) found.push('OPTIONS');
    return found.sort();
  }

  private add(method: HTTPMethod, url: string): void {
    const key = `${method} ${url}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.methods.add(method);
    this.router.on(method, url, () => undefined);
  }
}
