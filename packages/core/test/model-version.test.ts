import { describe, expect, it } from 'vitest';
import {
  assertModelCompatible,
  compareModelVersions,
  hasImageExtension,
  isLocalModelVersion,
  isModelVersion,
  modelVersionMajor,
  parseModelManifest,
} from '../src/index.js';

describe('model versions (semver)', () => {
  it('orders pre-releases by semver precedence: rc.10 after rc.9, a release after its pre-releases', () => {
    const sorted = [
      '1.10.0',
      '1.0.0-rc.10',
      '1.2.0',
      '1.0.0',
      '1.0.0-rc.9',
      '1.9.1',
      '1.10.0-rc.1',
      '0.0.0-local',
    ].sort(compareModelVersions);
    expect(sorted).toEqual([
      '0.0.0-local',
      '1.0.0-rc.9',
      '1.0.0-rc.10',
      '1.0.0',
      '1.2.0',
      '1.9.1',
      '1.10.0-rc.1',
      '1.10.0',
    ]);
  });

  it('sorts folder names that are not semver before every version', () => {
    expect(['1.0.0', 'latest', '0.1.0'].sort(compareModelVersions)).toEqual(['latest', '0.1.0', '1.0.0']);
  });

  it('knows a manifest version from other strings', () => {
    for (const v of ['1.0.0', '0.0.0-local', '1.1.0-rc.10', '1.0.0+build.5']) expect(isModelVersion(v), v).toBe(true);
    for (const v of ['v1.0.0', '1.0', ' 1.0.0', '1.0.0.0', '01.0.0', '']) expect(isModelVersion(v), v).toBe(false);
    expect(modelVersionMajor('2.3.4-rc.1')).toBe(2);
    expect(modelVersionMajor('nope')).toBeNaN();
  });

  it('a version tagged -local is a local, unreleased model', () => {
    expect(isLocalModelVersion('0.0.0-local')).toBe(true);
    expect(isLocalModelVersion('1.3.0-local.2')).toBe(true);
    expect(isLocalModelVersion('1.0.0')).toBe(false);
    expect(isLocalModelVersion('1.0.0-rc.1')).toBe(false);
    expect(isLocalModelVersion('0.0.0-localish')).toBe(false);
  });
});

describe('assertModelCompatible', () => {
  it('runs a supported release silently', () => {
    expect(assertModelCompatible({ name: 'm', version: '1.4.2' })).toBeNull();
    expect(assertModelCompatible({ name: 'm', version: '1.0.0-rc.1' })).toBeNull();
  });

  it('runs a local model of any major, with a notice to show', () => {
    const notice = assertModelCompatible({ name: 'blurgate-mnv3-large', version: '0.0.0-local' });
    expect(notice?.code).toBe('LOCAL_MODEL');
    expect(notice?.message).toContain('blurgate-mnv3-large 0.0.0-local is a local, unreleased model');
    expect(assertModelCompatible({ name: 'm', version: '7.0.0-local' })?.code).toBe('LOCAL_MODEL');
  });

  it('refuses an unsupported released major, naming what runs', () => {
    for (const version of ['0.1.0', '3.0.0', '0.0.0-rc.1']) {
      expect(() => assertModelCompatible({ name: 'm', version })).toThrow(
        expect.objectContaining({
          code: 'UNSUPPORTED_MODEL',
          message: expect.stringContaining('runs model versions 1.x'),
        }),
      );
    }
  });

  it('parseModelManifest refuses a version that is not semver', () => {
    expect(() => parseModelManifest({ schemaVersion: 1, name: 'm', version: 'v1.0.0' }, 'x.json')).toThrow(
      /x\.json: "version" must be a semver version/,
    );
  });
});

describe('image extensions', () => {
  it('matches by the last extension, in any case, never a bare dotfile', () => {
    expect(hasImageExtension('a/b.Jpeg')).toBe(true);
    expect(hasImageExtension('scan.TIFF')).toBe(true);
    expect(hasImageExtension('x.png.txt')).toBe(false);
    expect(hasImageExtension('dir.png/readme')).toBe(false);
    expect(hasImageExtension('.png')).toBe(false);
  });
});
