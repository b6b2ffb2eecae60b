import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { EmailField } from './email-field';

export class ForgotPasswordDto {
  @EmailField()
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset link.' })
  @IsString()
  @Length(1, 256)
  token!: string;

  @ApiProperty({ minLength: 12, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}

export class ChangePasswordDto {
  @ApiProperty({
    maxLength: 1024,
    description: 'A wrong one counts like a failed sign-in; at the limit the answer is 429 `account_locked`.',
  })
  @IsString()
  @MaxLength(1024)
  currentPassword!: string;

  @ApiProperty({ minLength: 12, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}
