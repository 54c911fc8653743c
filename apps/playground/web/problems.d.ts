// Types of problems.js for the tests (the page itself is plain JavaScript).

export interface Problem {
  severity: 'error' | 'warning';
  kind: string;
  line?: number;
  column?: number;
  message: string;
}

export declare function fromDiagnostics(check: 'syntax' | 'types', diagnostics: { line: number; column: number; code: number; message: string }[]): Problem[];
export declare function fromStderr(stderr: string, file: string, failed: boolean): Problem[];
export declare function renderProblems(list: HTMLElement, problems: Problem[], onPick: (line: number, column?: number) => void): void;
