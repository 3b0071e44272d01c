import { describe, expect, it } from 'vitest';
import { createKeywordScanner } from '../../src/core/keyword-scan.js';

describe('createKeywordScanner', () => {
  const scanner = createKeywordScanner([['sk-', 'sk-ant-'], ['task'], ['key'], ['://', '@'], ['ask']]);

  it.each([
    ['nothing here', []],
    ['a task-runner (holding sk-)', [0, 1, 4]],
    ['SK-ANT-xyz', [0]],
    ['API_KEY=1', [2]],
    ['https://u@h', [3]],
    ['tasks and keys', [1, 2, 4]],
    ['ünïcödé tåsk ΚΕΥ', []],
    ['wrapped ä€key😀', [2]],
  ])('finds the keyword groups in %j', (text, groups) => {
    expect(scanner.scan(text)).toEqual(groups);
  });

  it('finds keywords that overlap or hide inside others', () => {
    expect(createKeywordScanner([['abcd'], ['bc'], ['cde']]).scan('xabcdex')).toEqual([0, 1, 2]);
  });
});
