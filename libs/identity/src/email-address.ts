/**
 * The form an e-mail address is stored and compared in: trimmed, Unicode NFC, lower case. Mail
 * providers treat the local part case-insensitively in practice, and one account per mailbox
 * matters more than the rare server that does not.
 */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
