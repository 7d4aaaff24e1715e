#include "channels/utf8.hpp"
