import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { WorkerConfig } from '@rampart/config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The outbox row's stable Message-ID: every retry of the same mail carries the same one. */
  messageId: string;
}

/** SMTP delivery through a pool of connections (one per concurrent email job), from SMTP_* config. */
@Injectable()
export class SmtpMailer implements OnModuleDestroy {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly config: WorkerConfig) {
    const { smtp } = config;
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: config.concurrency.email,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      auth: smtp.auth ? { user: smtp.auth.user, pass: smtp.auth.password } : undefined,
      connectionTimeout: smtp.timeoutMs,
      greetingTimeout: smtp.timeoutMs,
      socketTimeout: smtp.timeoutMs,
    });
  }

  /** Resolves once the server accepted the message; rejects with nodemailer's error otherwise. */
  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: this.config.email.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
