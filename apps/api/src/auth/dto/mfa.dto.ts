import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export class TotpCodeDto {
  @ApiProperty({ example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class DisableTotpDto extends TotpCodeDto {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;
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
