// A small C++ program: it needs libstdc++ at run time.
#include <iostream>
#include <string>
#include <vector>
#include <unistd.h>

int main() {
    std::vector<std::string> words{"hello", "from", "C++"};
    for (const auto &w : words) std::cout << w << (&w == &words.back() ? "" : " ");
    std::cout << " uid=" << getuid() << std::endl;
    return 0;
}
