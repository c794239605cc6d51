import { Readable } from 'node:stream';
import { readUpload } from './upload-streams.js';

const read = async (chunks: Buffer[], max = 1_000) => {
  const parts: Buffer[] = [];
  for await (const chunk of readUpload(Readable.from(chunks), max)) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
};

describe('readUpload', () => {
  it('passes UTF-8 through, even a character split across chunks', async () => {
    const e = Buffer.from('café', 'utf8');
    expect(await read([e.subarray(0, 4), e.subarray(4)])).toBe('café');
  });

  it('refuses bytes that are not UTF-8 with a 400 naming the body', async () => {
    await expect(read([Buffer.from('caf\xe9\n', 'latin1')])).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'body' }],
    });
  });

  it('refuses a file that ends inside a character', async () => {
    await expect(read([Buffer.from([0x63, 0xc3])])).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('refuses more than the limit with a 413', async () => {
    await expect(read([Buffer.alloc(600, 97), Buffer.alloc(600, 97)])).rejects.toMatchObject({
      code: 'payload_too_large',
    });
  });
});
