export async function demoCommand(_argv: readonly string[]): Promise<number> {
  console.log('demo: not yet');
  return 0;
}
