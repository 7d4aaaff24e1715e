#include "channels/frame.hpp"
