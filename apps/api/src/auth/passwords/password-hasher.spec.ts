// Unit tests for PasswordHasher against the real argon2 binding (each hash takes a few tens of ms with the
// 19 MiB / 2-pass parameters, so a handful of them keeps the suite fast).
import { Logger } from '@nestjs/common';
import argon2 from 'argon2';
import { ARGON2_PARAMS, PasswordHasher } from './password-hasher';

const PASSWORD = 'violet-anchor-mosaic-tundra';

/** Splits a PHC string into its algorithm, version and parameters; argon2 0.45 writes them as m,p,t. */
function phc(hash: string): { id: string; version: string; params: Record<string, string> } {
  const [, id = '', version = '', params = ''] = hash.split('$');
  const entries = params.split(',').map((pair): [string, string] => {
    const [name = '', value = ''] = pair.split('=');
    return [name, value];
  });
  return { id, version, params: Object.fromEntries(entries) };
}

const CURRENT = { id: 'argon2id', version: 'v=19', params: { m: '19456', t: '2', p: '1' } };

describe('PasswordHasher', () => {
  let hasher: PasswordHasher;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    hasher = new PasswordHasher();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('produces an argon2id PHC string with the ASVS minimum parameters', async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(phc(hash)).toEqual(CURRENT);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hasher.hash(PASSWORD);
    await expect(hasher.verify(hash, PASSWORD)).resolves.toBe(true);
    await expect(hasher.verify(hash, `${PASSWORD}!`)).resolves.toBe(false);
    await expect(hasher.verify(hash, PASSWORD.toUpperCase())).resolves.toBe(false);
  });

  it('treats composed and decomposed accents as the same password (NFC)', async () => {
    const hash = await hasher.hash('café au lait tundra');
    await expect(hasher.verify(hash, 'cafe\u0301 au lait tundra')).resolves.toBe(true);
  });

  it.each(['', 'not a hash', '$argon2id$v=19$m=19456,p=1,t=2$garbage', '$2b$10$abcdefghijklmnopqrstuv'])(
    'resolves false, without throwing, for the malformed hash %j',
    async (garbage) => {
      await expect(hasher.verify(garbage, PASSWORD)).resolves.toBe(false);
    },
  );

  it('logs a hash it cannot parse, without the password or the hash', async () => {
    const garbage = '$argon2id$v=19$m=19456,p=1,t=2$garbage';
    await expect(hasher.verify(garbage, PASSWORD)).resolves.toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining(PASSWORD));
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('garbage'));
  });

  it('salts: two hashes of the same password differ', async () => {
    const [first, second] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(first).not.toBe(second);
  });

  describe('needsRehash', () => {
    it('is false for a hash made with the current parameters', async () => {
      expect(hasher.needsRehash(await hasher.hash(PASSWORD))).toBe(false);
    });

    it('is true for a hash made with a different time cost', async () => {
      const older = await argon2.hash(PASSWORD, { ...ARGON2_PARAMS, timeCost: 3 });
      expect(phc(older)).toEqual({ ...CURRENT, params: { ...CURRENT.params, t: '3' } });
      expect(hasher.needsRehash(older)).toBe(true);
      // Still verifies, which is what makes rehash-on-login possible.
      await expect(hasher.verify(older, PASSWORD)).resolves.toBe(true);
    });

    it('is true for another argon2 variant with the same parameters', async () => {
      const argon2i = await argon2.hash(PASSWORD, { ...ARGON2_PARAMS, type: argon2.argon2i });
      expect(hasher.needsRehash(argon2i)).toBe(true);
    });

    it('is true, without throwing, for a hash it cannot read', () => {
      expect(hasher.needsRehash('not a hash')).toBe(true);
      expect(hasher.needsRehash('$argon2id$garbage')).toBe(true);
    });
  });

  describe('verifyAgainstDummy', () => {
    it('resolves false, even for the password of a real hash', async () => {
      await hasher.hash(PASSWORD);
      await expect(hasher.verifyAgainstDummy(PASSWORD)).resolves.toBe(false);
      await expect(hasher.verifyAgainstDummy('')).resolves.toBe(false);
    });

    it('makes the dummy hash once and then only verifies against it', async () => {
      const hashSpy = jest.spyOn(argon2, 'hash');
      const verifySpy = jest.spyOn(argon2, 'verify');
      await Promise.all([hasher.verifyAgainstDummy('one'), hasher.verifyAgainstDummy('two')]);
      await hasher.verifyAgainstDummy('three');
      expect(hashSpy).toHaveBeenCalledTimes(1);
      expect(verifySpy).toHaveBeenCalledTimes(3);
      // The dummy verification did real argon2id work with the current parameters.
      const dummy = await (hashSpy.mock.results[0]?.value as Promise<string>);
      expect(phc(dummy)).toEqual(CURRENT);
      expect(verifySpy.mock.calls.every(([digest]) => digest === dummy)).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    });
  });
});
