import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { EmailField } from './email-field';

export class RegisterDto {
  @EmailField()
  email!: string;

  /** 12 to 128 characters, not a common password, not containing the e-mail. The limit here only bounds the input. */
  @ApiProperty({ minLength: 12, maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ description: 'CAPTCHA response token, when CAPTCHA is enabled.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  captchaToken?: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'accepted' }) status!: 'accepted';
  @ApiProperty() message!: string;
}
