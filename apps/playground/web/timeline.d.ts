// Types of timeline.js for the tests (the page itself is plain JavaScript).

export interface LaneSnapshot {
  key: number | string;
  label: string;
  spans: { kind: 'running' | 'busy' | 'waiting' | 'sleeping'; from: number; to: number | undefined; text: string | undefined }[];
  marks: { type: string; at: number; text: string }[];
}

export interface Timeline {
  add(event: Record<string, unknown>): void;
  render(svg: SVGSVGElement, now?: number): void;
  snapshot(): LaneSnapshot[];
  readonly laneCount: number;
  readonly truncated: boolean;
  readonly started: boolean;
}

export declare function createTimeline(): Timeline;
