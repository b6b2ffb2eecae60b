import {
  escapePromqlString,
  promqlDuration,
  promqlTemplateProblems,
  renderPromql,
  usesWindow,
} from './promql-template';

describe('promqlTemplateProblems', () => {
  it('accepts {{variant}} with {{flag}} and {{window}}, spaced or not', () => {
    expect(
      promqlTemplateProblems('sum(rate(x{variant="{{variant}}",flag="{{ flag }}"}[{{window}}]))'),
    ).toEqual([]);
  });

  it('refuses a query without {{variant}}, which cannot tell the target from the control', () => {
    expect(promqlTemplateProblems('sum(rate(x{flag="{{flag}}"}[5m]))')).toEqual([
      'must contain {{variant}}, so that the target and the control are queried apart',
    ]);
  });

  it('names the unknown variables it refuses, once each', () => {
    const problems = promqlTemplateProblems(
      'x{variant="{{variant}}",ns="{{namespace}}",n="{{ namespace }}",t="{{}}"}',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('{{namespace}}, {{}}');
  });

  it('leaves PromQL braces alone', () => {
    expect(promqlTemplateProblems('sum by (v) (x{variant="{{variant}}", a=~"b{2}"})')).toEqual([]);
  });
});

describe('renderPromql', () => {
  const values = { variant: 'on', flag: 'new-checkout', windowMs: 600_000 };

  it('fills in every variable, every time it appears', () => {
    expect(
      renderPromql('a{v="{{variant}}",f="{{flag}}"}[{{window}}] / b{v="{{ variant }}"}[{{window}}]', values),
    ).toBe('a{v="on",f="new-checkout"}[600s] / b{v="on"}[600s]');
  });

  it('escapes values for a double-quoted PromQL string, so a value never becomes query syntax', () => {
    const rendered = renderPromql('x{variant="{{variant}}"}', {
      ...values,
      variant: 'a"} or vector(1) #\\\n',
    });
    expect(rendered).toBe('x{variant="a\\"} or vector(1) #\\\\\\n"}');
  });

  it('says a window in whole seconds, at least one', () => {
    expect(promqlDuration(600_000)).toBe('600s');
    expect(promqlDuration(1_999)).toBe('1s');
    expect(promqlDuration(200)).toBe('1s');
  });

  it('escapes backslash before quote, so an escape cannot be undone', () => {
    expect(escapePromqlString('\\"')).toBe('\\\\\\"');
  });

  it('tells a query over a span from one that is not', () => {
    expect(usesWindow('rate(x{v="{{variant}}"}[{{ window }}])')).toBe(true);
    expect(usesWindow('x{v="{{variant}}"}')).toBe(false);
  });
});
