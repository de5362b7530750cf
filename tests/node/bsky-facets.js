#!/usr/bin/env node
// The official Bluesky client's facets for postcal's differential test
// (tests/bluesky_facets.rs): one JSON string per line on stdin, one JSON array
// per line on stdout, each facet {start, end, type, value} with UTF-8 byte
// offsets; `value` is the link's uri, the tag, or the mention's handle (no
// DID: detectFacetsWithoutResolution does not resolve it).
'use strict';

const readline = require('node:readline');

async function main() {
  const { RichText } = await import('@atproto/api');
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const line of lines) {
    if (line === '') continue;
    const rt = new RichText({ text: JSON.parse(line) });
    rt.detectFacetsWithoutResolution();
    const facets = (rt.facets ?? []).map((f) => {
      const feature = f.features[0];
      const type = feature.$type.split('#')[1];
      const value = { link: feature.uri, tag: feature.tag, mention: feature.did }[type];
      return { start: f.index.byteStart, end: f.index.byteEnd, type, value };
    });
    out.push(JSON.stringify(facets));
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
