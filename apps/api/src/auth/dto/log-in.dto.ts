import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { EmailField } from './email-field';

export class LogInDto {
  @EmailField()
  email!: string;

  /** Bounded so a huge input cannot make argon2 hash megabytes. */
  @ApiProperty({ maxLength: 1024 })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiProperty({
    required: false,
    description: 'CAPTCHA token; needed after a few failed sign-ins when CAPTCHA is on.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  captchaToken?: string;
}

export class RefreshDto {
  /** Omitted in browser mode, where the refresh cookie carries it. */
  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  refreshToken?: string;
}

export class CookieSessionDto {
  @ApiProperty({ example: 'Cookie' }) tokenType!: 'Cookie';
  @ApiProperty() expiresIn!: number;
  @ApiProperty() refreshTokenExpiresAt!: string;
  @ApiProperty({ description: 'Echo it in X-CSRF-Token on state-changing requests.' }) csrfToken!: string;
}

export class TokenPairDto {
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty() sessionId!: string;
  @ApiProperty() accessToken!: string;
  @ApiProperty({ example: 900, description: 'Seconds until the access token expires.' }) expiresIn!: number;
  @ApiProperty({ description: 'Single use: each refresh returns the next one.' }) refreshToken!: string;
  @ApiProperty({ description: 'When the session ends, however often it is refreshed.' })
  refreshTokenExpiresAt!: string;
}

export class SessionStatusDto {
  @ApiProperty() authenticated!: boolean;
  @ApiProperty({ required: false }) userId?: string;
  @ApiProperty({ required: false }) sessionId?: string;
  @ApiProperty({ required: false, type: [String] }) amr?: string[];
  @ApiProperty({ required: false }) accessTokenExpiresAt?: string;
}
