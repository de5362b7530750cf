#!/usr/bin/env node
// The official twitter-text, for tests/x_counting.rs: reads one JSON string
// per line on stdin and writes, per line, what parseTweet and
// extractUrlsWithIndices report for it (UTF-16 indices, as upstream gives them).
'use strict';

const twttr = require('twitter-text');
const readline = require('readline');

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
input.on('line', (line) => {
  const text = JSON.parse(line);
  const parsed = twttr.parseTweet(text);
  out.push(
    JSON.stringify({
      weightedLength: parsed.weightedLength,
      valid: parsed.valid,
      permillage: parsed.permillage,
      displayRangeEnd: parsed.displayRangeEnd,
      validRangeEnd: parsed.validRangeEnd,
      urls: twttr.extractUrlsWithIndices(text).map((u) => u.indices),
    }),
  );
});
input.on('close', () => process.stdout.write(out.length ? out.join('\n') + '\n' : ''));
