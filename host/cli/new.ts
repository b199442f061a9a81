export async function newCommand(_dir: string): Promise<number> {
  return 0;
}
