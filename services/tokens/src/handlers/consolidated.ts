// Skeleton: replaced by the service's real handler.
export const handler = async (): Promise<{ ok: boolean }> => ({ ok: false });
