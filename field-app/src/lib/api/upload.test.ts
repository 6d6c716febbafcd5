import { describe, expect, it, vi } from 'vitest';
import { answered, uploadOffset, uploadPiece } from './upload.ts';
import { useFetchStub } from '../../../test/fetch-stub.ts';

/** Headers as `answered` reads them (what the XHR path builds on `getResponseHeader`). */
const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

describe('an upload’s answer keeps its Retry-After header', () => {
  it('from the status and headers alone (the part the XHR and fetch paths share)', () => {
    expect(answered(503, headers({ 'retry-after': '20' }), undefined)).toEqual({
      ok: false,
      error: {
        kind: 'http',
        status: 503,
        code: null,
        message: 'The server had a problem. Try again in a moment.',
        retryAfter: '20',
      },
      offset: null,
    });
    const body = { error: { code: 'upload-in-progress', message: 'Still writing.', details: { retryAfter: 3 } } };
    expect(answered(503, headers({ 'retry-after': '3', 'upload-offset': '1024' }), body)).toMatchObject({
      ok: false,
      error: { status: 503, code: 'upload-in-progress', retryAfter: '3', details: { retryAfter: 3 } },
      offset: 1024,
    });
    expect(answered(503, headers({}), undefined)).not.toHaveProperty('error.retryAfter');
    expect(answered(204, headers({ 'upload-offset': '10', 'retry-after': '5' }), undefined)).toEqual({
      ok: true,
      offset: 10,
    });
  });

  describe('over the network', () => {
    const fetchStub = useFetchStub();

    it('a 503 to the HEAD (no body) carries the header', async () => {
      fetchStub.mock.mockResolvedValue(new Response(null, { status: 503, headers: { 'retry-after': '30' } }));
      const res = await uploadOffset('p1');
      expect(res).toMatchObject({ ok: false, error: { kind: 'http', status: 503, retryAfter: '30' }, offset: null });
    });

    it('a 429 to a PATCH sent with fetch (the service worker) carries the header', async () => {
      const body = { error: { code: 'rate-limited', message: 'Too many requests.' } };
      fetchStub.mock.mockResolvedValue(
        new Response(JSON.stringify(body), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '60' },
        }),
      );
      const res = await uploadPiece('p1', 0, new ArrayBuffer(8));
      expect(res).toMatchObject({ ok: false, error: { status: 429, code: 'rate-limited', retryAfter: '60' } });
    });

    it('a 503 to a PATCH sent with XMLHttpRequest (a page) carries the header', async () => {
      /** Just enough of XMLHttpRequest: answers 503, no body, `Retry-After: 15`. */
      class FakeXhr {
        status = 0;
        responseText = '';
        withCredentials = false;
        upload: { onprogress: (() => void) | null } = { onprogress: null };
        onprogress: (() => void) | null = null;
        onload: (() => void) | null = null;
        onerror: (() => void) | null = null;
        onabort: (() => void) | null = null;
        open(): void {}
        setRequestHeader(): void {}
        abort(): void {}
        getResponseHeader(name: string): string | null {
          return name.toLowerCase() === 'retry-after' ? '15' : null;
        }
        send(): void {
          setTimeout(() => {
            this.status = 503;
            this.onload?.();
          }, 0);
        }
      }
      vi.stubGlobal('XMLHttpRequest', FakeXhr);
      const res = await uploadPiece('p1', 0, new ArrayBuffer(8));
      expect(fetchStub.mock).not.toHaveBeenCalled();
      expect(res).toMatchObject({ ok: false, error: { kind: 'http', status: 503, retryAfter: '15' }, offset: null });
    });
  });
});
