import { describe, expect, it } from 'vitest';
import { describeBytes, sniffPhotoType } from './photo-type.ts';

const bytes = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((ch) => ch.charCodeAt(0)) : p)));

describe('sniffPhotoType', () => {
  it('knows a JPEG by FF D8 FF', () => {
    expect(sniffPhotoType(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('image/jpeg');
  });
  it('knows a WebP by RIFF….WEBP', () => {
    expect(sniffPhotoType(bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '))).toBe('image/webp');
  });
  it('rejects a PNG, another RIFF file, and too few bytes', () => {
    const png = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]);
    expect(sniffPhotoType(png)).toBeNull();
    expect(describeBytes(png)).toBe('a PNG image');
    expect(sniffPhotoType(bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '))).toBeNull();
    expect(sniffPhotoType(bytes([0xff, 0xd8]))).toBeNull();
    expect(sniffPhotoType(new Uint8Array())).toBeNull();
  });
});
