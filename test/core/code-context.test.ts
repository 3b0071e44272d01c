import { describe, expect, it } from 'vitest';
import { describeOffset, parseTracebackFrames } from '../../src/core/code-context.js';
import { readPastIncident } from '../../src/core/past-incident.js';

describe('parseTracebackFrames', () => {
  it('reads every frame of a Python traceback, chained exceptions included', () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/srv/app/app/jobs.py", line 13, in run',
      '    return render_job(job_id, user)',
      '  File "/srv/app/app/settings.py", line 7, in voice_for',
      '    return settings["voice_id"]',
      "KeyError: 'voice_id'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3/dist-packages/loguru/_logger.py", line 1277, in catch_wrapper',
      'RuntimeError: x',
    ].join('\n');
    expect(parseTracebackFrames(traceback)).toEqual([
      { file: '/srv/app/app/jobs.py', line: 13, function: 'run' },
      { file: '/srv/app/app/settings.py', line: 7, function: 'voice_for' },
      { file: '/usr/lib/python3/dist-packages/loguru/_logger.py', line: 1277, function: 'catch_wrapper' },
    ]);
  });

  it.each(['File "x.py", line 12', 'Traceback only', '  File "a\nb.py", line 1, in f', ''])('finds no frame in %j', (text) => {
    expect(parseTracebackFrames(text)).toEqual([]);
  });
});

describe('describeOffset', () => {
  it.each([
    [10 * 60_000, '10 min before the group was first seen'],
    [20_000, '1 min before the group was first seen'],
    [-3 * 3_600_000, '3 h after the group was first seen'],
  ])('%d ms → %s', (delta, text) => expect(describeOffset(1_000_000_000_000 - delta, 1_000_000_000_000)).toBe(text));
});

describe('readPastIncident', () => {
  const file = [
    '---',
    'id: incident-3',
    'created: 2026-11-02T03:10:00Z',
    'verdict: real_issue',
    'title: Voice lookup fails since the deploy',
    '---',
    '',
    '# Voice lookup fails since the deploy',
    '',
    '## Root cause (hypothesis)',
    '',
    'The deploy removed the default voice.',
    'It assumed every user has one.',
    '',
    '## Evidence',
    '',
    '- x',
  ].join('\n');

  it('reads date, verdict, title and root cause; "what was done" only when the team wrote it', () => {
    expect(readPastIncident(file, 'a.md')).toEqual({
      created: Date.UTC(2026, 10, 2, 3, 10),
      verdict: 'real_issue',
      title: 'Voice lookup fails since the deploy',
      rootCause: 'The deploy removed the default voice. It assumed every user has one.',
      done: null,
      file: 'a.md',
    });
    expect(readPastIncident(`${file}\n\n## Resolution\n\nRolled back release 41.\n`, 'a.md')?.done).toBe('Rolled back release 41.');
    expect(readPastIncident(`${file}\n\n## What we did\n\nAdded a default.\n`, 'a.md')?.done).toBe('Added a default.');
  });

  it.each(['no front matter', '---\n: : :\n---\n', '---\ntitle: x\n---\n'])('is null for %j', (text) => {
    expect(readPastIncident(text, 'x.md')).toBeNull();
  });
});
