/* Source mode from C (issue 16), for `labctl explore --source` end to end: two pthreads add
 * to a plain counter with no lock. Built by tools/racelab-cc; the race detector reports
 * the unordered accesses to `total` (exit 96). */
#include <pthread.h>
#include <stdio.h>

static int total;

static void* add(void* unused) {
  (void)unused;
  for (int i = 0; i < 3; ++i) total = total + 1;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, add, NULL);
  pthread_create(&b, NULL, add, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("total = %d (expected 6)\n", total);
  return total == 6 ? 0 : 1;
}
