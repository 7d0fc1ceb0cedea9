import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

/**
 * Which Chromium the browser tests drive. Playwright's own browser download cannot work on this
 * network, so: CHROMIUM_PATH if set, else Debian's package where it is installed, else the Linux
 * x64 headless build that the @sparticuz/chromium dev dependency ships inside its npm package, so
 * that `npm ci && npm test` needs nothing installed by hand.
 */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export async function chromiumExecutable(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured}: no such file`);
    return configured;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  return packagedChromium();
}

/**
 * The package's own executablePath() is not used: it decompresses into a shared /tmp/chromium and
 * takes that file as ready as soon as it exists, so a second Jest worker (or another checkout)
 * would launch a half-written or other-version binary. Here each version is decompressed once into
 * node_modules/.cache, through a file of this process's own that is renamed into place when done.
 */
async function packagedChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('No Chromium for the browser tests (@sparticuz/chromium is Linux x64 only): set CHROMIUM_PATH');
  }
  const packageDir = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = join(packageDir, '..', '..', '.cache', `sparticuz-chromium-${version}`, 'chromium');
  if (existsSync(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  try {
    const compressed = createReadStream(join(packageDir, 'bin', 'chromium.br'));
    await pipeline(compressed, createBrotliDecompress(), createWriteStream(partial, { mode: 0o755 }));
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  return target;
}
