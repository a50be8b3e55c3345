-- AlterEnum
ALTER TYPE "WebhookEventStatus" ADD VALUE 'unmatched';

-- AlterTable
ALTER TABLE "WebhookEvent" ADD COLUMN     "matchKeys" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "WebhookEvent_matchKeys_idx" ON "WebhookEvent" USING GIN ("matchKeys");
