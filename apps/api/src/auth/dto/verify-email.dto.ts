import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';

export class VerifyEmailDto {
  @ApiProperty({ description: 'The token from the verification link.' })
  @IsString()
  @Length(1, 256)
  token!: string;

  /** The link alone does not activate: whoever registered someone else's address must not get the account. */
  @ApiProperty({
    maxLength: 1024,
    description:
      'The password chosen at sign-up. A wrong one leaves the link usable and counts toward the sign-in lockout.',
  })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class VerifiedDto {
  @ApiProperty({ example: 'verified' }) status!: 'verified';
}
