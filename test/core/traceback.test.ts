import { describe, expect, it } from 'vitest';
import { summariseTraceback } from '../../src/core/traceback.js';

const TRACEBACK = `Traceback (most recent call last):
  File "/srv/app/app/jobs.py", line 88, in run_job
    render(job)
  File "/srv/app/app/voice.py", line 12, in render
    settings = settings_for(job.user)
  File "/usr/lib/python3/dist-packages/requests/api.py", line 59, in request
    return session.request(method=method, url=url, **kwargs)
KeyError: 'voice_id'
`;

describe('summariseTraceback', () => {
  it('takes the exception with its value and the innermost application frame', () => {
    expect(summariseTraceback(TRACEBACK)).toEqual({ exception: "KeyError: 'voice_id'", frame: 'app/voice.py:12 in render' });
  });

  it('reads the last exception of a chain', () => {
    const chained = `${TRACEBACK}\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "/srv/app/app/jobs.py", line 90, in run_job\n    raise JobFailed(job.id)\napp.errors.JobFailed: 4412\n`;
    expect(summariseTraceback(chained)).toEqual({ exception: 'app.errors.JobFailed: 4412', frame: 'app/jobs.py:90 in run_job' });
  });

  it('has nothing to say without a traceback', () => {
    expect(summariseTraceback(null)).toEqual({ exception: null, frame: null });
  });
});
