#pragma once

namespace boost::asio {

class io_context;

} // namespace boost::asio

namespace boost::program_options {

class options_description;
class variables_map;

} // namespace boost::program_options

namespace cafe::runtime {

enum class errc;

class system;

struct node_options;
struct options_error;

} // namespace cafe::runtime
