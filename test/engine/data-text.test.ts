// YAML syntax errors point at the line where the problem starts (where a bracket or quote was
// opened and never closed), not where the parser noticed it, lines later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { parseDataText } from '../../src/engine/data-text.js';

const errorOf = (text: string): string => {
  try {
    parseDataText(text, 'f.yaml');
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.issues[0]!.message;
  }
  assert.fail('no error');
};

test('an unclosed flow mapping or sequence is reported where it opens', () => {
  assert.match(errorOf('name: x\nmodel: { preset: gpt3-1.7b\nsystem: { preset: dgx-a100-80gb }\nplan: auto\n'), /^YAML syntax error at line 2, column 8: the \{ that opens here has no closing \}/);
  assert.match(errorOf('plan:\n  tp: [1, 2\n  pp: 3\nx: 1\n'), /^YAML syntax error at line 2, column 7: the \[ that opens here has no closing \]/);
});

test('an unclosed quoted string is reported where it starts', () => {
  assert.match(errorOf('name: "abc\nmodel: 3\n'), /^YAML syntax error at line 1, column 7: the " string that starts here is not closed/);
});

test('other errors keep the parser position', () => {
  assert.match(errorOf('model: 1\nsystem: 2\nmodel: 3\n'), /^YAML syntax error at line 3, column 1: Map keys must be unique/);
  assert.match(errorOf('model:\n\tpreset: x\n'), /^YAML syntax error at line 2, column 1: Tabs are not allowed/);
});

test('valid text parses to plain data', () => {
  assert.deepEqual(parseDataText('a: { b: [1, 2] }\n', 'f.yaml'), { a: { b: [1, 2] } });
});
