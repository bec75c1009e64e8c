-- Retention purges delete by age: index the ages they read.
CREATE INDEX "ToolInvocation_createdAt_idx" ON "ToolInvocation"("createdAt");
CREATE INDEX "QuarantinedPayload_receivedAt_idx" ON "QuarantinedPayload"("receivedAt");
CREATE INDEX "OAuthState_createdAt_idx" ON "OAuthState"("createdAt");
CREATE INDEX "CalendarOAuthState_createdAt_idx" ON "CalendarOAuthState"("createdAt");
