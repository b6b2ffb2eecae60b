import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_SECRET_VALUES, SECRET_VARIABLES, apiEnvSchema, workerEnvSchema } from './schema';

const ROOT = path.resolve(__dirname, '../../..');

function variables(file: string): Map<string, string> {
  const entries = readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return new Map(entries);
}

const read = new Set([...Object.keys(apiEnvSchema.shape), ...Object.keys(workerEnvSchema.shape)]);

describe('.env.production.example', () => {
  const documented = variables('.env.production.example');

  it('documents every variable the apps read', () => {
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents no variable the apps do not read', () => {
    expect([...documented.keys()].filter((name) => !read.has(name))).toEqual([]);
  });

  it('ships only secret values that the production check refuses', () => {
    for (const name of SECRET_VARIABLES) {
      expect(EXAMPLE_SECRET_VALUES).toContain(documented.get(name));
    }
  });
});

describe('.env.example', () => {
  it('uses only real variables, and secrets the production check refuses', () => {
    const development = variables('.env.example');
    expect([...development.keys()].filter((name) => !read.has(name))).toEqual([]);
    for (const name of SECRET_VARIABLES) {
      if (development.has(name)) expect(EXAMPLE_SECRET_VALUES).toContain(development.get(name));
    }
  });
});
