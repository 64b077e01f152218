/* A process for uprobe tests: calls bpfman_test_fn() argv[1] times, after
   waiting for a line on stdin when argv[2] is "wait" (so the probe is attached
   first), then prints the last result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int bpfman_test_fn(int x) {
    __asm__ volatile("" ::: "memory");
    return x * 2 + 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    if (argc > 2 && strcmp(argv[2], "wait") == 0) {
        char line[16];
        if (!fgets(line, sizeof line, stdin)) return 1;
    }
    int r = 0;
    for (int i = 0; i < n; i++) r = bpfman_test_fn(i);
    printf("%d\n", r);
    return 0;
}
