import { describe, expect, it } from 'vitest';
import { builtinProfiles, compileBuiltinProfiles } from './index.js';

describe('compiled built-in profiles', () => {
  it('round-trip through JSON to exactly what parsing the YAML gives', async () => {
    const compiled = JSON.parse(await compileBuiltinProfiles()) as { source_sha256: string; profiles: unknown };
    expect(compiled.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(compiled.profiles).toEqual(await builtinProfiles());
  });
});
