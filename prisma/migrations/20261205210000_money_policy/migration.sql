-- CreateEnum
CREATE TYPE "DisputeStatus" AS ENUM ('open', 'won', 'lost');

-- AlterEnum
ALTER TYPE "CheckoutStatus" ADD VALUE 'held';

-- AlterEnum
ALTER TYPE "SubscriptionStatus" ADD VALUE 'unpaid';

-- DropForeignKey
ALTER TABLE "Order" DROP CONSTRAINT "Order_checkoutId_fkey";

-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN     "heldReason" TEXT,
ADD COLUMN     "providerAmountTax" INTEGER,
ADD COLUMN     "providerAmountTotal" INTEGER,
ADD COLUMN     "providerCurrency" TEXT,
ADD COLUMN     "reviewDecision" TEXT,
ADD COLUMN     "reviewedAt" TIMESTAMP(3),
ADD COLUMN     "reviewedBy" TEXT,
ADD COLUMN     "trialDays" INTEGER;

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "creditsShortfall" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "providerInvoiceId" TEXT,
ADD COLUMN     "subscriptionId" TEXT,
ALTER COLUMN "checkoutId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "paidThrough" TIMESTAMP(3),
ADD COLUMN     "pastDueSince" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Refund" (
    "id" TEXT NOT NULL,
    "provider" "PaymentProviderName" NOT NULL,
    "refundId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dispute" (
    "id" TEXT NOT NULL,
    "provider" "PaymentProviderName" NOT NULL,
    "disputeId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" "DisputeStatus" NOT NULL,
    "amount" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Dispute_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Refund_orderId_idx" ON "Refund"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_provider_refundId_key" ON "Refund"("provider", "refundId");

-- CreateIndex
CREATE INDEX "Dispute_orderId_idx" ON "Dispute"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Dispute_provider_disputeId_key" ON "Dispute"("provider", "disputeId");

-- CreateIndex
CREATE INDEX "Order_subscriptionId_idx" ON "Order"("subscriptionId");

-- CreateIndex
CREATE UNIQUE INDEX "Order_provider_providerInvoiceId_key" ON "Order"("provider", "providerInvoiceId");

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_checkoutId_fkey" FOREIGN KEY ("checkoutId") REFERENCES "Checkout"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "Subscription"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Dispute" ADD CONSTRAINT "Dispute_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Existing subscriptions: the period they show was paid for (access never ran past it before).
UPDATE "Subscription" SET "paidThrough" = "currentPeriodEnd" WHERE "status" IN ('active', 'past_due', 'paused', 'canceled');
