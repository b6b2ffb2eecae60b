import { EmailField } from './email-field';

export class ResendVerificationDto {
  @EmailField()
  email!: string;
}
