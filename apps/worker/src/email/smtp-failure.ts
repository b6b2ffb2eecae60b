/** How a failed SMTP send should be treated. */
export interface SmtpFailure {
  /** 5xx replies are final: retrying a rejected recipient or message only repeats the rejection. */
  permanent: boolean;
  /** A short reason for the outbox row and the logs: the SMTP reply when there is one. */
  reason: string;
}

interface NodemailerError {
  responseCode?: number;
  response?: string;
  code?: string;
  message?: string;
}

/**
 * Sorts a nodemailer error into permanent (an SMTP 5xx reply) or transient (a 4xx reply, a
 * refused or dropped connection, a timeout: anything a later try may get past).
 */
export function classifySmtpFailure(error: unknown): SmtpFailure {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerError;
  const code = failure.responseCode;
  const reply = failure.response?.trim();
  const reason = (reply || failure.message || String(error)).replace(/\s+/g, ' ').trim();
  const permanent = typeof code === 'number' && code >= 500 && code < 600;
  return {
    permanent,
    reason: typeof code === 'number' && !reason.startsWith(String(code)) ? `${code} ${reason}` : reason,
  };
}
