-- AlterTable
ALTER TABLE "login_throttles" ADD COLUMN     "last_charge" UUID;
