import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class VerifyEmailDto {
  @ApiProperty({ description: 'The token from the verification link.' })
  @IsString()
  @Length(1, 256)
  token!: string;
}

export class VerifiedDto {
  @ApiProperty({ example: 'verified' }) status!: 'verified';
}
