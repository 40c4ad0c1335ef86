/** One no-op activity for each activity the product runs in the benchmark's workload. */
export const bareActivities = {
  async openProcess(_seq: number): Promise<void> {},
  async recordStep(_seq: number): Promise<void> {},
  async announce(_seq: number): Promise<void> {},
  async sendNotifications(_seq: number): Promise<void> {},
};

export type BareActivities = typeof bareActivities;
