import Fastify from 'fastify';
import { AllowedMethods } from './allowed-methods';

describe('AllowedMethods', () => {
  async function routes(): Promise<AllowedMethods> {
    const fastify = Fastify();
    const allowed = new AllowedMethods();
    allowed.collectFrom(fastify);
    fastify.get('/v1/users/:id', () => ({}));
    fastify.patch('/v1/users/:id', () => ({}));
    fastify.route({ method: ['POST', 'PUT'], url: '/v1/things', handler: () => ({}) });
    fastify.options('*', () => '');
    await fastify.ready();
    return allowed;
  }

  it('lists the other methods of a path, HEAD with GET, OPTIONS only next to a real method', async () => {
    const allowed = await routes();
    expect(allowed.for('/v1/users/6f1c', 'DELETE')).toEqual(['GET', 'HEAD', 'OPTIONS', 'PATCH']);
    expect(allowed.for('/v1/things', 'GET')).toEqual(['OPTIONS', 'POST', 'PUT']);
  });

  it('lists nothing for a path no route matches', async () => {
    const allowed = await routes();
    expect(allowed.for('/v1/nothing', 'GET')).toEqual([]);
    expect(allowed.for('/v1/users/1/extra', 'GET')).toEqual([]);
  });
});
