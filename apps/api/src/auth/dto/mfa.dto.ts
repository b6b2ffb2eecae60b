import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/**
 * The account's current password, sent with every sensitive change of one's own MFA: an access token
 * alone is not enough. A wrong one counts towards the sign-in lockout.
 */
export function CurrentPasswordField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      maxLength: 1024,
      description:
        'The current password (re-authentication). A wrong one counts like a failed sign-in; at the limit the answer is 429 `account_locked`.',
    }),
    IsString(),
    MaxLength(1024),
  );
}

/** POST /mfa/totp/setup: starting an enrolment replaces the pending secret, so it needs the password too. */
export class TotpSetupRequestDto {
  @CurrentPasswordField()
  password!: string;
}

/** Enable, disable and new recovery codes: the current password and a 6-digit TOTP code. */
export class ConfirmedTotpCodeDto {
  @CurrentPasswordField()
  password!: string;

  @ApiProperty({ example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class MfaVerifyDto {
  @ApiProperty({ description: 'From the login answer.' })
  @IsString()
  @Length(1, 256)
  mfaToken!: string;

  @ApiPropertyOptional({ example: '123456' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ example: 'ABCDE-FGHJK' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  recoveryCode?: string;
}

export class TotpSetupDto {
  @ApiProperty({ description: 'Base32 secret, for manual entry.' }) secret!: string;
  @ApiProperty() otpauthUri!: string;
  @ApiProperty({ description: 'The otpauth URI as a QR code, SVG.' }) qrSvg!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Shown once; each works once.' }) recoveryCodes!: string[];
}

export class MfaChallengeDto {
  @ApiProperty({ example: true }) mfaRequired!: true;
  @ApiProperty() mfaToken!: string;
  @ApiProperty({ example: 300 }) expiresIn!: number;
}
