#!/usr/bin/env node
// Generates src/platform/x_count/tables.rs: the data twitter-text's parseTweet
// counts with, read from the installed npm packages (tests/node/package-lock.json).
//
//   npm ci --prefix tests/node
//   node tests/node/gen-x-tables.js > src/platform/x_count/tables.rs
//
// (x_count.rs declares the module #[rustfmt::skip], so the file stays exactly
// what this script writes and a stale table shows up as a diff.)
//
// The tables are data only (character classes, TLD lists, emoji sequences, the
// configs); the matching logic lives in src/platform/x_count{.rs,/url.rs}. Every
// assumption that logic makes about the upstream regexes is asserted here, so a
// package update that changes a regex's shape fails generation instead of
// silently miscounting.
'use strict';

const path = require('path');
const dist = path.join(__dirname, 'node_modules/twitter-text/dist');
const rx = (name) => require(path.join(dist, 'regexp', name));
const ttVersion = require(path.join(__dirname, 'node_modules/twitter-text/package.json')).version;
const twVersion = require(path.join(__dirname, 'node_modules/twemoji-parser/package.json')).version;
const configs = require(path.join(dist, 'configs'));
const emojiRegex = require(path.join(__dirname, 'node_modules/twemoji-parser/dist/lib/regex')).default;

function assert(cond, what) {
  if (!cond) {
    throw new Error('gen-x-tables: upstream changed shape: ' + what);
  }
}

// ---------------------------------------------------------------- regex shapes
// The URL scanner in url.rs is written against exactly these compositions.
const src = (name) => rx(name).source;
const G = src('validGeneralUrlPathChars');
const B = src('validUrlBalancedParens');
const C = src('validDomainChars');
const gtld = src('validGTLD');
const cctld = src('validCCTLD');
const puny = src('validPunycode');
assert(B === `\\((?:${G}+|(?:${G}*\\(${G}+\\)${G}*))\\)`, 'validUrlBalancedParens');
const endClass = src('validUrlPathEndingChars').split('|(?:')[0];
assert(src('validUrlPathEndingChars') === `${endClass}|(?:${B})`, 'validUrlPathEndingChars');
const E = src('validUrlPathEndingChars');
// Note: validUrlPathEndingChars is spliced in ungrouped, so its `|` splits the
// first alternative: (?:G*(?:BG*)*[ending] | B) | @G+/ .
assert(src('validUrlPath') === `(?:(?:${G}*(?:${B}${G}*)*${E})|(?:@${G}+\\/))`, 'validUrlPath');
assert(src('validSubdomain') === `(?:(?:${C}(?:[_-]|${C})*)?${C}\\.)`, 'validSubdomain');
assert(src('validDomainName') === `(?:(?:${C}(?:-|${C})*)?${C}\\.)`, 'validDomainName');
assert(
  src('validDomain') ===
    `(?:${src('validSubdomain')}*${src('validDomainName')}(?:${gtld}|${cctld}|${puny}))`,
  'validDomain',
);
assert(puny === '(?:xn--[\\-0-9a-z]+)', 'validPunycode');
const Q = src('validUrlQueryChars');
const QE = src('validUrlQueryEndingChars');
assert(
  src('extractUrl') ===
    `((${src('validUrlPrecedingChars')})((https?:\\/\\/)?(${src('validDomain')})` +
      `(?::(${src('validPortNumber')}))?(\\/${src('validUrlPath')}*)?(\\?${Q}*${QE})?))`,
  'extractUrl',
);
assert(rx('extractUrl').flags === 'gi', 'extractUrl flags');
const asciiLabel = src('validAsciiDomain').match(/^\(\?:\(\?:(\[[^\]]*\])\+\)\\\.\)\+/);
assert(asciiLabel, 'validAsciiDomain label');
assert(
  src('validAsciiDomain') === `(?:(?:${asciiLabel[1]}+)\\.)+(?:${gtld}|${cctld}|${puny})`,
  'validAsciiDomain',
);
assert(rx('validAsciiDomain').flags === 'gi', 'validAsciiDomain flags');
assert(
  src('validTcoUrl') === `^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?${Q}*${QE})?` &&
    rx('validTcoUrl').flags === 'i',
  'validTcoUrl',
);
assert(src('invalidUrlWithoutProtocolPrecedingChars') === '[-_.\\/]$', 'invalid preceding');
assert(src('validPortNumber') === '[0-9]+', 'validPortNumber');
assert(src('invalidChars') === '[\\uFFFE\\uFEFF\\uFFFF]' && rx('invalidChars').flags === '', 'invalidChars');
const tldShape = /^\(\?:\(\?:(.*)\)\(\?=\[\^0-9a-zA-Z@\+-\]\|\$\)\)$/;
assert(tldShape.test(gtld) && tldShape.test(cctld), 'TLD lookahead');

// ------------------------------------------------------------ character classes
// Each class exactly as the case-insensitive URL regex matches one UTF-16 code
// unit: found by testing every unit against the real regex, so JS's /i case
// folding is reproduced, whatever it is.
function unitClass(source, flags) {
  const re = new RegExp(`^(?:${source})$`, flags);
  const ranges = [];
  for (let u = 0; u <= 0xffff; u++) {
    if (re.test(String.fromCharCode(u))) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === u - 1) last[1] = u;
      else ranges.push([u, u]);
    }
  }
  return ranges;
}
const has = (ranges, u) => ranges.some(([a, b]) => a <= u && u <= b);
const subset = (a, b) => a.every(([x, y]) => {
  for (let u = x; u <= y; u++) if (!has(b, u)) return false;
  return true;
});
const classes = {
  PRECEDING: unitClass(src('validUrlPrecedingChars'), 'i'),
  DOMAIN: unitClass(C, 'i'),
  TLD_END: unitClass('[^0-9a-zA-Z@+-]', 'i'),
  PUNY: unitClass('[\\-0-9a-z]', 'i'),
  PATH: unitClass(G, 'i'),
  PATH_END: unitClass(endClass, 'i'),
  QUERY: unitClass(Q, 'i'),
  QUERY_END: unitClass(QE, 'i'),
  ASCII_LABEL: unitClass(asciiLabel[1], 'i'),
};
const ascii = (s) => [...s].map((c) => [c.charCodeAt(0), c.charCodeAt(0)]);
assert(JSON.stringify(unitClass('[0-9]', 'i')) === '[[48,57]]', 'digits fold');
assert(JSON.stringify(unitClass('[a-z0-9]', 'i')) === '[[48,57],[65,90],[97,122]]', 't.co slug fold');
for (const c of 'httpsxnco') {
  const r = unitClass(c, 'i');
  assert(r.length === 2 && r[0][0] === c.toUpperCase().charCodeAt(0), `ASCII-only fold of ${c}`);
}
assert(subset(classes.PATH_END, classes.PATH), 'path ending chars are path chars');
assert(subset(classes.QUERY_END, classes.QUERY), 'query ending chars are query chars');
assert(!has(classes.PATH, 0x28) && !has(classes.PATH, 0x29), 'parens are not path chars');
assert(has(classes.PATH, 0x40) && has(classes.PATH_END, 0x2f), '@ path char, / ending char');
assert(subset(classes.PUNY, ascii('-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')), 'punycode ASCII');
assert(!has(classes.DOMAIN, 0x2e) && !has(classes.DOMAIN, 0x5f) && !has(classes.DOMAIN, 0x2d), 'domain chars exclude . _ -');
assert(!has(classes.ASCII_LABEL, 0x2e), 'ASCII label excludes .');

// ------------------------------------------------------------------------- TLDs
function tldList(source) {
  const list = source.match(tldShape)[1].split('|');
  for (const t of list) {
    assert(/^[^\\()[\]?*+.|^$]+$/.test(t), `plain TLD ${t}`);
    assert([...t].every((c) => c.charCodeAt(0) < 0xd800 || c.charCodeAt(0) > 0xdfff), `BMP TLD ${t}`);
  }
  // The regex tries alternatives in order; the scanner takes the longest TLD
  // that matches. Same thing as long as a TLD never precedes its extensions.
  list.forEach((t, i) => {
    list.forEach((u, j) => {
      if (u !== t && u.startsWith(t)) assert(j < i, `${u} listed before ${t}`);
    });
  });
  return list;
}
const gtlds = tldList(gtld);
const cctlds = tldList(cctld);
// Units that the /i regex matches against a TLD character other than itself.
const tldChars = [...new Set([...gtlds, ...cctlds].join(''))].sort();
const fold = new Map();
{
  const re = new RegExp(`^[${tldChars.join('')}]$`, 'i');
  const single = tldChars.map((c) => new RegExp(`^${c}$`, 'i'));
  for (let u = 0; u <= 0xffff; u++) {
    const m = re.exec(String.fromCharCode(u));
    if (!m) continue;
    const hits = tldChars.filter((c, k) => single[k].test(String.fromCharCode(u)));
    assert(hits.length === 1, `unit ${u.toString(16)} folds to one TLD char`);
    if (hits[0].charCodeAt(0) !== u) fold.set(u, hits[0].charCodeAt(0));
  }
  for (const c of tldChars) assert(!fold.has(c.charCodeAt(0)), `TLD char ${c} is its own fold`);
}

// ------------------------------------------------------------------------ emoji
// twemoji-parser's regex matches a finite set of sequences. Expand it into that
// set; the scanner then takes, at each position, the longest sequence that
// matches (checked below to be what the regex does).
function parseRegex(source) {
  let i = 0;
  const peek = () => source[i];
  function unit(inClass) {
    if (source[i] === '\\') {
      const m = source.slice(i).match(/^\\u([0-9a-fA-F]{4})/);
      assert(m, `escape at ${i}`);
      i += 6;
      return parseInt(m[1], 16);
    }
    assert(!(inClass ? '[]\\' : '()[]|?*+.^$').includes(source[i]), `literal at ${i}`);
    return source.charCodeAt(i++);
  }
  function alt() {
    const branches = [seq()];
    while (peek() === '|') {
      i++;
      branches.push(seq());
    }
    return { alt: branches };
  }
  function seq() {
    const items = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      let atom;
      if (peek() === '(') {
        i++;
        let kind = 'group';
        if (source.startsWith('?:', i)) i += 2;
        else if (source.startsWith('?!', i)) {
          i += 2;
          kind = 'notAhead';
        }
        const inner = alt();
        assert(peek() === ')', `) at ${i}`);
        i++;
        atom = kind === 'group' ? inner : { notAhead: inner };
      } else if (peek() === '[') {
        i++;
        const units = [];
        while (peek() !== ']') {
          const a = unit(true);
          if (peek() === '-' && source[i + 1] !== ']') {
            i++;
            const b = unit(true);
            for (let u = a; u <= b; u++) units.push(u);
          } else units.push(a);
        }
        i++;
        atom = { set: units };
      } else {
        atom = { set: [unit(false)] };
      }
      if (peek() === '?') {
        i++;
        atom = { alt: [atom, { seq: [] }] };
      }
      assert(!'*+{'.includes(peek()), `quantifier at ${i}`);
      items.push(atom);
    }
    return { seq: items };
  }
  const tree = alt();
  assert(i === source.length, 'emoji regex parsed to the end');
  return tree;
}
// Each expansion: [units, needsNotFe0e] — the flag says the sequence ends at a
// (?!\ufe0e) and so only matches when the next unit is not U+FE0E.
function expand(node) {
  if (node.set) return node.set.map((u) => [[u], false]);
  if (node.alt) return node.alt.flatMap(expand);
  if (node.notAhead) {
    assert(JSON.stringify(node.notAhead) === JSON.stringify({ alt: [{ seq: [{ set: [0xfe0e] }] }] }), 'only (?!\\ufe0e)');
    return [[[], true]];
  }
  let acc = [[[], false]];
  for (const item of node.seq) {
    const next = [];
    for (const [a, fa] of acc) {
      for (const [b, fb] of expand(item)) {
        if (fa && b.length && b[0] === 0xfe0e) continue;
        next.push([a.concat(b), b.length ? fb : fa || fb]);
      }
    }
    acc = next;
  }
  return acc;
}
const emoji = new Map(); // string -> needsNotFe0e (false wins)
for (const [units, flag] of expand(parseRegex(emojiRegex.source))) {
  const s = String.fromCharCode(...units);
  assert(s.length > 0, 'no empty emoji');
  assert(!/[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/.test(s), 'well-formed emoji');
  emoji.set(s, emoji.has(s) ? emoji.get(s) && flag : flag);
}
const emojiList = [...emoji.keys()];
const maxEmoji = Math.max(...emojiList.map((s) => s.length));
function longestEmoji(text, at) {
  for (let len = Math.min(maxEmoji, text.length - at); len > 0; len--) {
    const s = text.slice(at, at + len);
    if (emoji.has(s) && !(emoji.get(s) && text[at + len] === '\ufe0e')) return s;
  }
  return null;
}
function regexEmojiAt(text, at) {
  const re = new RegExp(emojiRegex.source, 'y');
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : null;
}
for (const s of emojiList) {
  assert(regexEmojiAt(s, 0) === s, `regex matches all of ${escape(s)}`);
  for (const tail of ['\ufe0e', '\ufe0f', '\u200d', '\ud83c\udffb', 'a']) {
    assert(regexEmojiAt(s + tail, 0) === longestEmoji(s + tail, 0), `longest match on ${escape(s + tail)}`);
  }
}
const cp = (s) => [...s].map((c) => c.codePointAt(0));
const cmpCodePoints = (a, b) => {
  const x = cp(a);
  const y = cp(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
emojiList.sort(cmpCodePoints);

// ----------------------------------------------------------------------- output
const hex = (u, w = 4) => '0x' + u.toString(16).toUpperCase().padStart(w, '0');
// Visible characters as themselves, the rest (joiners, selectors, marks,
// tags, spaces, controls) escaped.
const invisible = /[\p{C}\p{M}\p{Z}"\\]/u;
const rustStr = (s) => '"' + [...s].map((c) => (invisible.test(c) ? `\\u{${c.codePointAt(0).toString(16)}}` : c)).join('') + '"';
const out = [];
const emit = (line) => out.push(line);
function emitClass(name, doc, ranges) {
  let mask = 0n;
  for (let u = 0; u < 128; u++) if (has(ranges, u)) mask |= 1n << BigInt(u);
  emit(`/// ${doc}`);
  emit(`pub(super) const ${name}: UnitClass = UnitClass {`);
  emit(`    ascii: 0x${mask.toString(16)},`);
  emit(`    ranges: &[${ranges.map(([a, b]) => `(${hex(a)}, ${hex(b)})`).join(', ')}],`);
  emit('};');
}
function emitStrs(name, doc, list, perLine) {
  emit(`/// ${doc}`);
  emit(`pub(super) const ${name}: &[&str] = &[`);
  for (let i = 0; i < list.length; i += perLine) emit('    ' + list.slice(i, i + perLine).map(rustStr).join(', ') + ',');
  emit('];');
}
function emitConfig(name, c) {
  emit(`/// twitter-text's \`configs.${name}\`.`);
  emit(`pub const ${name.toUpperCase()}: XConfig = XConfig {`);
  emit(`    version: ${c.version},`);
  emit(`    max_weighted_length: ${c.maxWeightedTweetLength},`);
  emit(`    scale: ${c.scale},`);
  emit(`    default_weight: ${c.defaultWeight},`);
  emit(`    emoji_parsing: ${Boolean(c.emojiParsingEnabled)},`);
  emit(`    transformed_url_length: ${c.transformedURLLength},`);
  emit(`    ranges: &[${c.ranges.map((r) => `WeightRange { start: ${r.start}, end: ${r.end}, weight: ${r.weight} }`).join(', ')}],`);
  emit('};');
}
assert(JSON.stringify(configs.defaults) === JSON.stringify(configs.version3), 'defaults are version3');

emit(`// @generated by tests/node/gen-x-tables.js from the npm packages twitter-text ${ttVersion}`);
emit(`// and twemoji-parser ${twVersion} (node ${process.versions.node}, ICU ${process.versions.icu}, Unicode ${process.versions.unicode}).`);
emit('// Do not edit. Regenerate with:');
emit('//   npm ci --prefix tests/node');
emit('//   node tests/node/gen-x-tables.js > src/platform/x_count/tables.rs');
emit('');
emit('//! The data twitter-text counts with: configs, the URL regexes\' character');
emit('//! classes (as UTF-16 code units, case-insensitive as the regexes match),');
emit('//! the TLD lists and twemoji-parser\'s emoji sequences.');
emit('');
emit('use super::url::UnitClass;');
emit('use super::{WeightRange, XConfig};');
emit('');
emitConfig('version2', configs.version2);
emitConfig('version3', configs.version3);
emit('');
emitClass('PRECEDING', '`validUrlPrecedingChars`: what may come right before a URL.', classes.PRECEDING);
emitClass('DOMAIN', '`validDomainChars`.', classes.DOMAIN);
emitClass('TLD_END', 'The lookahead after a TLD: `[^0-9a-zA-Z@+-]`.', classes.TLD_END);
emitClass('PUNY', 'The tail of `validPunycode`: `[\\-0-9a-z]`.', classes.PUNY);
emitClass('PATH', '`validGeneralUrlPathChars`.', classes.PATH);
emitClass('PATH_END', 'The character class of `validUrlPathEndingChars`.', classes.PATH_END);
emitClass('QUERY', '`validUrlQueryChars`.', classes.QUERY);
emitClass('QUERY_END', '`validUrlQueryEndingChars`.', classes.QUERY_END);
emitClass('ASCII_LABEL', 'The label class of `validAsciiDomain`.', classes.ASCII_LABEL);
emit('');
emit('/// Units the case-insensitive TLD match takes for another TLD character: (unit, TLD char).');
emit(`pub(super) const TLD_FOLD: &[(u16, u16)] = &[${[...fold].sort((a, b) => a[0] - b[0]).map(([u, c]) => `(${hex(u)}, ${hex(c)})`).join(', ')}];`);
emitStrs('GTLDS', '`validGTLD`, sorted by code point.', [...gtlds].sort(cmpCodePoints), 12);
emitStrs('CCTLDS', '`validCCTLD`, sorted by code point.', [...cctlds].sort(cmpCodePoints), 16);
emit('');
emit('/// The sequences twemoji-parser\'s regex matches, sorted by code point.');
emit(`pub(super) const EMOJI: &[&str] = &[`);
const perLine = 8;
for (let i = 0; i < emojiList.length; i += perLine) emit('    ' + emojiList.slice(i, i + perLine).map(rustStr).join(', ') + ',');
emit('];');
emitStrs('EMOJI_NOT_BEFORE_FE0E', 'The sequences of `EMOJI` that end in `(?!\\ufe0e)`: no match when U+FE0E follows.', emojiList.filter((s) => emoji.get(s)), 12);
process.stdout.write(out.join('\n') + '\n');
