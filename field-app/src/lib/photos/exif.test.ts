import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EARLIEST_YEAR, LATEST_YEAR } from '@fieldfix/shared';
import { CAPTURE_YEARS, sensibleCaptureTime } from './capture-time.ts';
import { readCaptureFacts } from './exif.ts';

// JPEGs made by sharp (libvips) with the EXIF a phone camera writes: the capture time in the
// EXIF IFD and the position in the GPS IFD.
async function jpeg(exif?: Parameters<ReturnType<typeof sharp>['withExif']>[0]): Promise<Blob> {
  let image = sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).jpeg();
  if (exif) image = image.withExif(exif);
  return new Blob([new Uint8Array(await image.toBuffer())], { type: 'image/jpeg' });
}

describe('readCaptureFacts', () => {
  it('reads the capture time and the GPS position a camera wrote', async () => {
    const facts = await readCaptureFacts(
      await jpeg({
        IFD2: { DateTimeOriginal: '2026:06:10 08:15:30' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '42/1 20/1 24/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '86/1 58/1 12/1',
        },
      }),
    );
    // EXIF times carry no zone: the camera's clock is the device's.
    expect(facts.takenAt).toBe(new Date(2026, 5, 10, 8, 15, 30).toISOString());
    expect(facts.lat).toBeCloseTo(42 + 20 / 60 + 24 / 3600, 6);
    expect(facts.long).toBeCloseTo(-(86 + 58 / 60 + 12 / 3600), 6);
  });

  it("takes capture times in the sync protocol's years", () => {
    expect(CAPTURE_YEARS).toEqual({ earliest: EARLIEST_YEAR, latest: LATEST_YEAR });
  });

  it('gives no time for a camera whose clock was never set (1980), keeping the position', async () => {
    const facts = await readCaptureFacts(
      await jpeg({
        IFD2: { DateTimeOriginal: '1980:01:01 00:00:05' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '42/1 20/1 24/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '86/1 58/1 12/1',
        },
      }),
    );
    expect(facts.takenAt).toBeNull();
    expect(facts.lat).toBeCloseTo(42 + 20 / 60 + 24 / 3600, 6);
  });

  it('answers nulls for a picture without EXIF, and for bytes that are not a picture', async () => {
    expect(await readCaptureFacts(await jpeg())).toEqual({ takenAt: null, lat: null, long: null });
    expect(await readCaptureFacts(new Blob([new Uint8Array([1, 2, 3, 4, 5])]))).toEqual({
      takenAt: null,
      lat: null,
      long: null,
    });
  });

  it('ignores a position of 0, 0 (a camera without a fix writes it)', async () => {
    const facts = await readCaptureFacts(
      await jpeg({
        IFD2: { DateTimeOriginal: '2026:06:10 08:15:30' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '0/1 0/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '0/1 0/1 0/1' },
      }),
    );
    expect([facts.lat, facts.long]).toEqual([null, null]);
    expect(facts.takenAt).not.toBeNull();
  });
});

describe("sensibleCaptureTime (the EXIF time, or the file's own when there is none)", () => {
  it("keeps a camera's time, and drops a clock never set (1980), one far off, and none", () => {
    expect(sensibleCaptureTime(new Date('2026-12-07T09:30:00Z'))).toBe('2026-12-07T09:30:00.000Z');
    expect(sensibleCaptureTime(new Date('1980-01-01T00:00:00Z'))).toBeNull();
    expect(sensibleCaptureTime(new Date(0))).toBeNull();
    expect(sensibleCaptureTime(new Date('2250-01-01T00:00:00Z'))).toBeNull();
    expect(sensibleCaptureTime(new Date(Number.NaN))).toBeNull();
  });
});
