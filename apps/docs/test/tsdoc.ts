/**
 * What the TypeDoc validation does not check about the TSDoc of a package's public API: every
 * class and function exported from `src/index.ts` has an `@example`, and every documented
 * function, method and constructor has an `@param` for each of its parameters. (TypeDoc's
 * `notDocumented` already fails the docs build for an export without a comment.)
 */
import { join } from 'node:path';
import ts from 'typescript';

function paramGaps(label: string, decl: ts.SignatureDeclaration): string[] {
  if (ts.getJSDocCommentsAndTags(decl).length === 0) return [];
  const documented = new Set(ts.getJSDocTags(decl).filter(ts.isJSDocParameterTag).map((tag) => tag.name.getText()));
  return decl.parameters
    .map((p) => p.name.getText())
    .filter((name) => !name.startsWith('_') && !documented.has(name) && ts.isIdentifier(decl.parameters.find((p) => p.name.getText() === name)!.name))
    .map((name) => `${label}: no @param ${name}`);
}

function isPublicMember(member: ts.ClassElement): member is ts.MethodDeclaration | ts.ConstructorDeclaration {
  if (!ts.isMethodDeclaration(member) && !ts.isConstructorDeclaration(member)) return false;
  if (ts.isMethodDeclaration(member) && (!member.body || !ts.isIdentifier(member.name) || member.name.text.startsWith('_'))) return false;
  if (ts.getCombinedModifierFlags(member) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  return !ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'internal');
}

/**
 * The gaps in the TSDoc of one package.
 *
 * @param packageDir - The package's directory (with `src/index.ts`).
 * @param packageName - Its name, for the messages.
 * @returns One line per gap, empty when the TSDoc is complete.
 */
export function tsdocGaps(packageDir: string, packageName: string): string[] {
  const entry = join(packageDir, 'src/index.ts');
  const src = join(packageDir, 'src');
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  if (!moduleSymbol) return [`${packageName}: src/index.ts exports nothing`];
  const gaps: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    // Re-exports of another package (the errors of @conc/core) are checked in that package.
    if (!decl || !decl.getSourceFile().fileName.startsWith(src)) continue;
    const label = `${packageName} ${exported.name}`;
    if (ts.isClassDeclaration(decl) || ts.isFunctionDeclaration(decl)) {
      if (!ts.getJSDocTags(decl).some((tag) => tag.tagName.text === 'example')) gaps.push(`${label}: no @example`);
    }
    if (ts.isFunctionDeclaration(decl)) gaps.push(...paramGaps(label, decl));
    if (ts.isClassDeclaration(decl)) {
      for (const member of decl.members.filter(isPublicMember)) {
        const name = ts.isConstructorDeclaration(member) ? 'constructor' : member.name.getText();
        gaps.push(...paramGaps(`${label}.${name}`, member));
      }
    }
  }
  return gaps;
}
