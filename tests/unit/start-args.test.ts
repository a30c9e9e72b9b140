import { parseArgs } from '../../scripts/start';

describe('npm start options', () => {
  it('takes the defaults with no options', () => {
    expect(parseArgs([])).toEqual({ users: 1000, seed: 42, stage: 'test', out: 'out' });
  });

  it('reads every option', () => {
    expect(
      parseArgs(['--users', '50', '--seed', '0', '--run-date', '2026-01-15', '--stage', 'prod', '--out', 'x']),
    ).toEqual({
      users: 50,
      seed: 0,
      runDate: '2026-01-15',
      stage: 'prod',
      out: 'x',
    });
  });

  it.each([
    [['--users', 'muchos'], '--users'],
    [['--users', '0'], '--users'],
    [['--run-date', '2026-02-30'], '--run-date'],
    [['--stage', 'dev'], '--stage'],
    [['--catia', '/no/existe.json'], '/no/existe.json'],
    [['--seed'], '--seed'],
    [['--colour', 'red'], '--colour'],
  ])('stops with a one-line error naming the bad option %j', (argv, name) => {
    let message = '';
    try {
      parseArgs(argv);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(name);
    expect(message.split('\n')).toHaveLength(1);
  });
});
