import { classifySmtpFailure } from './smtp-failure';

function smtpError(responseCode: number, response: string): Error {
  return Object.assign(new Error(`Message failed: ${response}`), {
    responseCode,
    response,
    code: 'EMESSAGE',
  });
}

describe('classifySmtpFailure', () => {
  it('treats 5xx replies as permanent, with the reply as the reason', () => {
    expect(
      classifySmtpFailure(smtpError(550, '550 5.1.1 <x@example.com>: Recipient address rejected')),
    ).toEqual({
      permanent: true,
      reason: '550 5.1.1 <x@example.com>: Recipient address rejected',
    });
    expect(classifySmtpFailure(smtpError(554, '554 Transaction failed')).permanent).toBe(true);
  });

  it('treats 4xx replies as transient', () => {
    expect(classifySmtpFailure(smtpError(451, '451 4.3.0 Try again later'))).toEqual({
      permanent: false,
      reason: '451 4.3.0 Try again later',
    });
    expect(classifySmtpFailure(smtpError(421, '421 Service not available')).permanent).toBe(false);
  });

  it('treats connection problems as transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    expect(classifySmtpFailure(refused)).toEqual({
      permanent: false,
      reason: 'connect ECONNREFUSED 127.0.0.1:2525',
    });
    const timeout = Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' });
    expect(classifySmtpFailure(timeout).permanent).toBe(false);
  });

  it('prefixes the code when the reply text lacks it, and folds line breaks', () => {
    expect(classifySmtpFailure(smtpError(552, 'Message\r\n too big')).reason).toBe('552 Message too big');
  });
});
