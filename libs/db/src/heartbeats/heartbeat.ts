/** The last sign of life of a background component. */
export interface Heartbeat {
  component: string;
  instanceId: string;
  beatAt: Date;
  beatsTotal: number;
}
